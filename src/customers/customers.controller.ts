import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors';
import { IdParam } from '../common/http/id-param';
import { ApiPageResponse, Page } from '../common/http/pagination';
import { CustomersService } from './customers.service';
import { CustomerDto } from './dto/customer.dto';
import { ListCustomersQueryDto } from './dto/list-customers-query.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

/** Customers are created by bookings (matched by email); admins read and correct them here. */
@ApiTags('customers')
@ApiErrors('unauthorized')
@Controller('api/v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @ApiOperation({ summary: 'List customers, optionally the one with an email' })
  @ApiPageResponse(CustomerDto)
  @ApiErrors('validation_failed')
  list(@Query() query: ListCustomersQueryDto): Promise<Page<CustomerDto>> {
    return this.customers.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a customer' })
  @ApiOkResponse({ type: CustomerDto })
  @ApiErrors('validation_failed', 'not_found')
  get(@IdParam() id: number): Promise<CustomerDto> {
    return this.customers.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a customer (only the fields given)' })
  // Its own example: the fields' own, together, gave customer 1 (the walkthrough's Nathan) another's email.
  @ApiBody({
    type: UpdateCustomerDto,
    examples: { 'a corrected name': { value: { name: 'Nathan J. Tyler' } } },
  })
  @ApiOkResponse({ type: CustomerDto })
  @ApiErrors('validation_failed', 'not_found', 'email_taken')
  update(@IdParam() id: number, @Body() body: UpdateCustomerDto): Promise<CustomerDto> {
    return this.customers.update(id, body);
  }
}
